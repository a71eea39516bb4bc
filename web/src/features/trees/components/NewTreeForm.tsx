import { useState } from 'react';
import { useNavigate } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { Field, Form, FormErrors, SelectField, SubmitOrCancel, TextAreaField } from '../../../ui/forms';
import { useCategories, useCreateTree } from '../hooks';

const FIELDS = ['title', 'description', 'category_id', 'tags'] as const;

/** A new draft tree; the editor opens on it. */
export function NewTreeForm({ onCancel }: { onCancel: () => void }) {
  const navigate = useNavigate();
  const create = useCreateTree();
  const categories = useCategories();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [categoryId, setCategoryId] = useState('');
  const [tags, setTags] = useState('');
  const submit = useSingleFlight(async () => {
    const tree = await create.mutateAsync({
      title,
      description: description.trim(),
      category_id: categoryId || null,
      tags: tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    });
    void navigate(`/trees/${tree.id}/edit`);
  });
  const errors = describeError(create.error, FIELDS);
  return (
    <section className="card" aria-label="New tree">
      <Form onSubmit={submit.run}>
        <h2>New tree</h2>
        <FormErrors messages={errors.general} />
        <Field
          label="Title"
          name="title"
          required
          autoFocus
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          error={errors.fields.title}
        />
        <TextAreaField
          label="Description (optional)"
          name="description"
          rows={3}
          maxLength={5000}
          hint="What problem the tree solves: search finds trees by it."
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          error={errors.fields.description}
        />
        <SelectField
          label="Category"
          value={categoryId}
          onChange={(e) => setCategoryId(e.target.value)}
          error={errors.fields.category_id}
          options={categories.data?.map((c) => ({ value: c.id, label: c.name }))}
        >
          <option value="">No category</option>
        </SelectField>
        <Field
          label="Tags (comma separated)"
          name="tags"
          value={tags}
          onChange={(e) => setTags(e.target.value)}
          error={errors.fields.tags}
        />
        <SubmitOrCancel busy={submit.busy} busyLabel="Creating…" onCancel={onCancel}>
          Create and edit
        </SubmitOrCancel>
      </Form>
    </section>
  );
}
