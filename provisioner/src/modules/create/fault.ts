import { CREATE_STEP_NAMES } from '@kg/shared';
import type { ProvisionerConfig } from '../../config';
import { PermanentStepError } from './step';

/**
 * Fault injection for tests (PROVISIONER_FAULT=<step>:<before|mid|after>:<hang|fail|flaky>):
 * - hang: the worker writes `PROVISIONER_FAULT_HIT <step>:<point>` to stderr and freezes there,
 *   so a test can SIGKILL it at an exact point of a step;
 * - fail: the step fails permanently (the tenant ends `failed`);
 * - flaky: the step's first two attempts fail with a retryable error.
 * Ignored when NODE_ENV is production.
 */
export type FaultPoint = 'before' | 'mid' | 'after';

interface Fault {
  step: string;
  point: FaultPoint;
  action: 'hang' | 'fail' | 'flaky';
}

const cache = new WeakMap<ProvisionerConfig, Fault | null>();

function parseFault(config: ProvisionerConfig): Fault | null {
  if (!config.PROVISIONER_FAULT || config.NODE_ENV === 'production') return null;
  const [step, point, action] = config.PROVISIONER_FAULT.split(':');
  if (
    !step ||
    !(CREATE_STEP_NAMES as readonly string[]).includes(step) ||
    !['before', 'mid', 'after'].includes(point ?? '') ||
    !['hang', 'fail', 'flaky'].includes(action ?? '')
  ) {
    throw new Error(`PROVISIONER_FAULT must be <step>:<before|mid|after>:<hang|fail|flaky>, got ${config.PROVISIONER_FAULT}`);
  }
  return { step, point: point as FaultPoint, action: action as Fault['action'] };
}

function faultOf(config: ProvisionerConfig): Fault | null {
  if (!cache.has(config)) cache.set(config, parseFault(config));
  return cache.get(config)!;
}

/** True when a fault is configured at this step and point (steps use it to make "mid" meaningful). */
export function faultConfigured(config: ProvisionerConfig, step: string, point: FaultPoint): boolean {
  const f = faultOf(config);
  return !!f && f.step === step && f.point === point;
}

/** Applies the configured fault if it targets this step and point. */
export async function faultPoint(config: ProvisionerConfig, step: string, point: FaultPoint, attempt: number): Promise<void> {
  const f = faultOf(config);
  if (!f || f.step !== step || f.point !== point) return;
  process.stderr.write(`PROVISIONER_FAULT_HIT ${step}:${point}\n`);
  if (f.action === 'hang') await new Promise<never>(() => undefined);
  if (f.action === 'fail') throw new PermanentStepError(`injected fault at ${step}:${point}`);
  if (f.action === 'flaky' && attempt <= 2) throw new Error(`injected transient fault at ${step}:${point} (attempt ${attempt})`);
}
