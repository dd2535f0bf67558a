import type { ReadBack, ResourceWrite } from '../../remediations/index.js';
import type { ChangeAction, PrecheckReads } from '../../remediations/types.js';
import type { Resource, ResourceType } from '../../rules/types.js';
import type { PipelineDeps, ResourceContext } from '../deps.js';

/** What one read of a resource gave: something to judge, or why not. */
export type DriverRead<S> =
  | {
      kind: 'ok';
      id: string;
      arn?: string;
      resource: Resource;
      snapshot: S;
      policyText?: string;
      /**
       * A sweep's partial read (a key's policy without its description and tags): judged, and read
       * again in full before any finding is reported, planned or written.
       */
      provisional?: true;
    }
  | { kind: 'skipped' | 'gone'; id: string; arn?: string; reason: string }
  | { kind: 'unjudgeable'; id: string; arn?: string; reason: string };

/**
 * How one kind of resource is read, compared, written and read back. The guard loop
 * (engine/guard.ts) is the same for every kind; only this differs.
 */
export interface ResourceDriver<P, S, K = undefined> {
  type: ResourceType;
  /** Read everything the enabled rules declared (`known`: a record a listing already returned). */
  read(port: P, ref: string, ctx: ResourceContext, deps: PipelineDeps, known?: K): Promise<DriverRead<S>>;
  /**
   * Complete a provisional read (`provisional: true`) with what it left out (a key's description
   * and tags), keeping what it read; absent: the resource is read again in full.
   */
  complete?(
    port: P,
    read: Extract<DriverRead<S>, { kind: 'ok' }>,
    ctx: ResourceContext,
    deps: PipelineDeps,
  ): Promise<DriverRead<S>>;
  /** A reason never to write to this resource, whatever the plans (undefined: writes allowed). */
  writeBlocked?(resource: Resource): string | undefined;
  /** The state the write depends on, read again just before writing. */
  current(port: P, id: string): Promise<S>;
  same(a: S, b: S): boolean;
  /** The one write that carries every planned change. */
  write(port: P, id: string, write: ResourceWrite): Promise<void>;
  readBack(port: P, id: string): Promise<ReadBack>;
  /** Read-backs before a change is called unconfirmed (EC2 is eventually consistent; KMS is not). */
  readBackAttempts: number;
  /** Why the read-back does not confirm the change, in words. */
  unconfirmed(back: ReadBack): string;
  /** Reads remediation prechecks may make (the endpoint's VPC attributes). */
  precheckReads(port: P): PrecheckReads | undefined;
  /** The API that writes, for "… failed" reasons. */
  writeAction: string;
  /** The order `write` calls its APIs in: a failure leaves the earlier calls made, the later not. */
  writeOrder: readonly ChangeAction[];
}
