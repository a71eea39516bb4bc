import { Link, useSearchParams } from 'react-router';

import { usePageTitle } from '../../../ui/page';
import { AuthCard } from '../components/AuthCard';
import { RegisterForm } from '../components/RegisterForm';

export function RegisterPage() {
  usePageTitle('Create an account');
  const [params] = useSearchParams();
  return (
    <AuthCard
      title="Create an account"
      footer={
        <p>
          Already have an account? <Link to="/sign-in">Sign in</Link>
        </p>
      }
    >
      <RegisterForm initialInviteCode={params.get('invite') ?? ''} />
    </AuthCard>
  );
}
