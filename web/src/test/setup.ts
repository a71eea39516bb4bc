// Component tests (happy-dom): jest-dom matchers, and an empty document after each test.

import '@testing-library/jest-dom/vitest';

import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => cleanup());
