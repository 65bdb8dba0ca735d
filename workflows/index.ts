export { automationWorkflow } from './automation';
export { enrollmentWorkflow } from './enrollment';
export { actionRetryWorkflow } from './retry';
