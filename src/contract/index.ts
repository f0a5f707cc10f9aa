/**
 * The JSON the service speaks, as types only: imported by the server where it builds these
 * bodies and by the web app (web/) where it reads them, so both sides change together. Nothing
 * here may import anything: web/ compiles this folder without the server's modules.
 */
export type { BackendView, BackendList, AddBackendBody, PatchBackendBody } from './backends.js';
export type { PromptTuple, QueueSnapshot, QueueDeleteBody, SubmitResult } from './queue.js';
export type { JobStatus, OutputFile, JobSummary, JobList, JobDetail } from './jobs.js';
export type { ErrorBody } from './errors.js';
export type {
  WebhookView,
  WebhookList,
  CreateWebhookBody,
  CreatedWebhook,
  DeliveryStatus,
  WebhookDeliveryView,
  DeliveryAttemptView,
  DeliveryList,
  AttemptList,
  DeliveryQueued,
} from './webhooks.js';
export type { ScheduleTargetView, ScheduleView, ScheduleList, ScheduleFireView, ScheduleDetail, CreateScheduleBody } from './schedules.js';
export type { EventBody, PromptEventData } from './events.js';
export type {
  Page,
  AppInputType,
  InputValue,
  InputChoiceView,
  AppInputView,
  InputBindingBody,
  AppOutputView,
  AppView,
  AppSummary,
  RunStatus,
  RunOutputView,
  RunCreated,
  RunView,
  SweepAxisBody,
  CreateSweepBody,
  SweepCellView,
  SweepSummary,
  SweepView,
} from './apps.js';
