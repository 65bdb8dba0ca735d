-- Revisions as snapshots: each revision keeps the whole workflow as its change left it (the shape of
-- GET /api/workflows/:id without createdAt and updatedAt), so that it can be shown and restored.

ALTER TABLE workflow_revisions ADD COLUMN workflow jsonb;

-- Revisions made before this migration kept only what changed. The latest revision of each workflow is exactly its
-- current row, so it gets that; earlier ones cannot be rebuilt honestly and keep `workflow` NULL: they are shown with
-- `workflow: null` and cannot be restored.
UPDATE workflow_revisions r
SET workflow = jsonb_build_object(
  'id', w.id,
  'pipelineId', w.pipeline_id,
  'name', w.name,
  'enabled', w.enabled,
  'trigger', w.trigger,
  'enrollment', w.enrollment,
  'settings', w.settings,
  'actions', w.actions,
  'templated', w.templated,
  'version', w.version
)
FROM workflows w
WHERE r.workflow_id = w.id AND r.version = w.version;
