// The few Vitest types this package names, derived from Vitest's public exports in one place.
import type { WorkerRequest } from 'vitest/node'

export type { RunnerTaskEventPack, RunnerTaskResult, RunnerTaskResultPack, RunnerTestFile, RuntimeRPC, SerializedConfig } from 'vitest'
export type { PoolOptions, PoolRunnerInitializer, PoolWorker, TestProject, TestSpecification, Vitest, WorkerRequest } from 'vitest/node'

export type StartRequest = Extract<WorkerRequest, { type: 'start' }>
export type RunRequest = Extract<WorkerRequest, { type: 'run' | 'collect' }>
export type WorkerExecuteContext = RunRequest['context']
export type FileSpecification = WorkerExecuteContext['files'][number]
export type WorkerEnvironment = StartRequest['context']['environment']
