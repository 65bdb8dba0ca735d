export { automationWorkflow } from './automation';
export { enrollmentWorkflow } from './enrollment';
