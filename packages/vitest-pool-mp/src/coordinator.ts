import type Tinypool from 'tinypool'
import type { ResolvedMpPoolOptions } from './options.js'
import type { VitestNodeApi } from './running-vitest.js'
import type { StoreAttacher } from './project-run.js'
import type { PoolOptions, TestProject, TestSpecification, Vitest } from './vitest-types.js'
import { availableParallelism } from 'node:os'
import { releaseGuardianIfIdle } from './child-reaper.js'
import { MpError, withoutFrames } from './errors.js'
import { POOL_NAME } from './pool-name.js'
import { ProjectRun } from './project-run.js'
import { ProjectSlots } from './project-slots.js'
import { RunningBatches } from './running-batches.js'
import { SlotPool } from './slot-pool.js'
import { StoreServer } from './store/store-server.js'

const coordinators = new WeakMap<Vitest, RunCoordinator>()
/** Marks the sequencer class that announces each run's files to the coordinator. */
const WRAPPED = Symbol('vitest-pool-mp.announcing-sequencer')


/**
 * One per Vitest instance. Learns each run's files from the sequencer (every spec, before Vitest
 * hands any to a pool), owns the process slots shared by all mp projects, and starts one
 * ProjectRun per project per run. Cancellation and closing reach every run from here.
 */
export class RunCoordinator {
  private specs: TestSpecification[] = []
  private runs = new Map<TestProject, ProjectRun>()
  private readonly tinypools = new Map<TestProject, Tinypool>()
  private slots: SlotPool | undefined
  private running = new RunningBatches()
  private announced = false
  /** The shared-state store of the current run: every run starts with an empty one. */
  store: StoreAttacher | undefined = new StoreServer()

  private constructor(private readonly vitest: Vitest) {
    vitest.onClose(() => this.close())
  }

  /**
   * The coordinator of a Vitest instance, with its sequencer wrapped: on the first call, and again
   * after a restart (a config file changed in watch mode), when Vitest resolves a new config.
   */
  static install(vitest: Vitest): RunCoordinator {
    let coordinator = coordinators.get(vitest)
    if (!coordinator) {
      coordinator = new RunCoordinator(vitest)
      coordinators.set(vitest, coordinator)
    }
    if (!(WRAPPED in vitest.config.sequence.sequencer)) {
      coordinator.wrapSequencer()
    }
    return coordinator
  }

  static of(vitest: Vitest): RunCoordinator | undefined {
    return coordinators.get(vitest)
  }

  /** The ProjectRun serving this project in the current run, started on first use. */
  projectRun(project: TestProject, poolOptions: PoolOptions, options: ResolvedMpPoolOptions, vitestNode: VitestNodeApi): ProjectRun {
    let run = this.runs.get(project)
    if (!run) {
      const shared = this.slots ??= new SlotPool(this.maxWorkers())
      const slots = new ProjectSlots(shared, this.maxWorkers(project))
      let tinypool = this.tinypools.get(project)
      if (!tinypool) {
        tinypool = ProjectRun.createTinypool(poolOptions, shared.size)
        this.tinypools.set(project, tinypool)
      }
      const specs = this.announced ? this.specs.filter(spec => spec.project === project && spec.pool === POOL_NAME) : []
      // Mp projects of one run share the slots: each boots its share of them ahead. Fresh processes
      // boot no more than cores, which would only slow the main process's planning they overlap;
      // warm ones boot all, as every slot needs one for the whole run.
      const projects = new Set(this.specs.filter(spec => spec.pool === POOL_NAME).map(spec => spec.project)).size
      const share = Math.min(Math.floor(shared.size / Math.max(projects, 1)), slots.size)
      const spares = options.isolation === 'module' ? share : Math.min(share, availableParallelism())
      run = new ProjectRun(project, specs, poolOptions, options, slots, this.running, tinypool, this.store, vitestNode, spares)
      this.runs.set(project, run)
    }
    return run
  }

  private wrapSequencer(): void {
    const config = this.vitest.config
    const Base = config.sequence.sequencer
    const coordinator = this
    config.sequence.sequencer = class MpSequencer extends Base {
      static readonly [WRAPPED] = true

      constructor(vitest: Vitest) {
        super(vitest)
        const sort = this.sort.bind(this)
        this.sort = async (files) => {
          const sorted = await sort(files)
          coordinator.beginRun(sorted)
          return sorted
        }
      }
    }
  }

  private beginRun(specs: TestSpecification[]): void {
    // Vitest forgets cancel listeners at the start of every run, so each run registers its own.
    this.vitest.onCancel(reason => this.runs.forEach(run => run.cancel(String(reason))))
    this.runs.forEach(run => run.kill())
    this.runs = new Map()
    this.specs = specs
    this.announced = true
    this.slots = new SlotPool(this.maxWorkers())
    this.running = new RunningBatches()
    this.store = new StoreServer()
  }

  /**
   * A project's `maxWorkers`, resolved the way Vitest resolves it; without a project, the largest
   * of the run's mp projects' (the size of the slots they share).
   */
  private maxWorkers(project?: TestProject): number {
    if (!project) {
      const projects = new Set(this.specs.filter(spec => spec.pool === POOL_NAME).map(spec => spec.project))
      return projects.size ? Math.max(...[...projects].map(each => this.maxWorkers(each))) : this.defaultMaxWorkers()
    }
    const maxWorkers = project.config.maxWorkers || this.defaultMaxWorkers()
    if (!Number.isInteger(maxWorkers) || maxWorkers < 1) {
      // Vitest passes on a fraction as it was given (`--maxWorkers=1.5`); a slot is a whole process.
      throw withoutFrames(new MpError(`maxWorkers is ${maxWorkers}${project.name ? ` in project "${project.name}"` : ''}: set a whole number of worker processes, 1 or more, or a share of the CPU cores such as '50%'.`))
    }
    return maxWorkers
  }

  private defaultMaxWorkers(): number {
    if (this.vitest.config.maxWorkers) {
      return this.vitest.config.maxWorkers
    }
    const cpus = availableParallelism()
    return this.vitest.config.watch ? Math.max(Math.floor(cpus / 2), 1) : Math.max(cpus - 1, 1)
  }

  private async close(): Promise<void> {
    await Promise.all([...this.runs.values()].map(run => run.close()))
    await Promise.all([...this.tinypools.values()].map(pool => pool.destroy()))
    this.tinypools.clear()
    releaseGuardianIfIdle()
  }
}
