export { memberLifecycleWorkflow } from './member-lifecycle.ts';
