import type { Client } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * Search attributes of enrollment workflows, so that the Temporal UI lists every enrollment of a record, a workflow
 * or a pipeline (`PipewrightRecordId = "acme"`). Keyword attributes; the Temporal server must know them (the
 * embedded dev server registers them at start; see docs/operations.md for a cluster).
 */
export const SEARCH_ATTRIBUTES = {
  workflowId: defineSearchAttributeKey('PipewrightWorkflowId', SearchAttributeType.KEYWORD),
  recordId: defineSearchAttributeKey('PipewrightRecordId', SearchAttributeType.KEYWORD),
  pipelineId: defineSearchAttributeKey('PipewrightPipelineId', SearchAttributeType.KEYWORD),
} as const;

/** The search attributes one enrollment is started with. */
export function enrollmentSearchAttributes(ids: {
  workflowId: string;
  recordId: string;
  pipelineId: string;
}): SearchAttributePair[] {
  return [
    { key: SEARCH_ATTRIBUTES.workflowId, value: ids.workflowId },
    { key: SEARCH_ATTRIBUTES.recordId, value: ids.recordId },
    { key: SEARCH_ATTRIBUTES.pipelineId, value: ids.pipelineId },
  ];
}

/** `--search-attribute` flags that make the dev server know them from its start. */
export const DEV_SERVER_SEARCH_ATTRIBUTE_FLAGS = Object.values(SEARCH_ATTRIBUTES).flatMap((key) => [
  '--search-attribute',
  `${key.name}=Keyword`,
]);

/**
 * Makes sure the namespace knows the search attributes before the worker starts enrollments with them: a start
 * naming an unknown one fails. Adds the missing ones; when that is not allowed (a managed cluster), fails with the
 * command an operator runs once.
 */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<void> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.values(SEARCH_ATTRIBUTES).filter((key) => !customAttributes?.[key.name]);
  if (missing.length === 0) return;
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
  } catch (error) {
    const commands = missing
      .map(
        (key) => `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type Keyword`,
      )
      .join('\n  ');
    throw new Error(
      `Temporal namespace "${namespace}" lacks the search attributes enrollments are started with, and they could not be added (${String(error)}). Add them once:\n  ${commands}`,
    );
  }
}
