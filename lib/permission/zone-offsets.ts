/**
 * UTC offsets of an IANA time zone as constant-offset segments, so the gate can turn instants into
 * local wall time with one array lookup instead of an `Intl` call.
 *
 * Offsets come from the runtime's time-zone data (through `tzOffset` of @date-fns/tz, which asks `Intl`);
 * nothing here is hand-written tz data. Transitions are found by sampling every few hours and
 * bisecting to the millisecond, then cached per zone and per block of days.
 */
// The function's own entry: the package root also brings the TZDate classes (4 KB of every
// bundle that holds the gate, send's among them), which esbuild cannot drop.
import { tzOffset } from '@date-fns/tz/tzOffset';
import { isKnownTimeZone } from '../customer/time-zone';
import { PermissionGateInputError } from './errors';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Cache blocks; a segment returned never crosses a block end, which only costs an extra step. */
const BLOCK_MS = 16 * DAY_MS;
/**
 * Sampling step when looking for transitions. Two transitions closer together than this that
 * cancel each other would be missed; no zone in the tz database has those.
 */
const SAMPLE_MS = 6 * HOUR_MS;
/** Blocks kept per zone before the cache starts over (bounds memory in long-lived processes). */
const MAX_BLOCKS_PER_ZONE = 2048;

/** A stretch of time over which a zone's offset does not change. */
export interface OffsetSegment {
  /** Local wall time minus UTC, in milliseconds. */
  readonly offsetMs: number;
  /** The first instant (epoch ms) after the segment; the offset may differ from there on. */
  readonly endMs: number;
}

interface OffsetBlock {
  readonly endMs: number;
  /** `offsets[0]` holds from the block start; `offsets[i + 1]` from `transitions[i]`. */
  readonly transitions: readonly number[];
  readonly offsets: readonly number[];
}

/** The offsets of one IANA zone, computed on demand and remembered. */
export class ZoneOffsets {
  private readonly blocks = new Map<number, OffsetBlock>();

  constructor(readonly zoneName: string) {
    if (!isKnownTimeZone(zoneName)) {
      throw new PermissionGateInputError(`unknown time zone "${zoneName}"`);
    }
  }

  /** The offset at `epochMs` and the end of the constant-offset segment holding it. */
  segmentAt(epochMs: number): OffsetSegment {
    const block = this.blockAt(epochMs);
    const { transitions, offsets } = block;
    let index = 0;
    while (index < transitions.length && (transitions[index] as number) <= epochMs) index += 1;
    return {
      offsetMs: offsets[index] as number,
      endMs: index < transitions.length ? (transitions[index] as number) : block.endMs,
    };
  }

  /** The offset (local minus UTC, ms) at `epochMs`. */
  offsetAt(epochMs: number): number {
    return this.segmentAt(epochMs).offsetMs;
  }

  private blockAt(epochMs: number): OffsetBlock {
    const key = Math.floor(epochMs / BLOCK_MS);
    const cached = this.blocks.get(key);
    if (cached !== undefined) return cached;
    if (this.blocks.size >= MAX_BLOCKS_PER_ZONE) this.blocks.clear();
    const block = this.computeBlock(key * BLOCK_MS, (key + 1) * BLOCK_MS);
    this.blocks.set(key, block);
    return block;
  }

  private computeBlock(startMs: number, endMs: number): OffsetBlock {
    const transitions: number[] = [];
    let currentOffset = this.lookUp(startMs);
    const offsets: number[] = [currentOffset];
    let from = startMs;
    for (let sample = startMs + SAMPLE_MS; ; sample += SAMPLE_MS) {
      const probe = Math.min(sample, endMs - 1);
      // A sampled offset that differs means at least one transition in (from, probe]; bisect to it.
      while (this.lookUp(probe) !== currentOffset) {
        let same = from;
        let changed = probe;
        while (changed - same > 1) {
          const middle = same + Math.floor((changed - same) / 2);
          if (this.lookUp(middle) === currentOffset) same = middle;
          else changed = middle;
        }
        currentOffset = this.lookUp(changed);
        transitions.push(changed);
        offsets.push(currentOffset);
        from = changed;
      }
      from = probe;
      if (probe === endMs - 1) break;
    }
    return { endMs, transitions, offsets };
  }

  private lookUp(epochMs: number): number {
    const minutes = tzOffset(this.zoneName, new Date(epochMs));
    if (!Number.isFinite(minutes)) {
      throw new PermissionGateInputError(`no offset for time zone "${this.zoneName}" at ${epochMs}`);
    }
    return Math.round(minutes * MINUTE_MS);
  }
}

const zones = new Map<string, ZoneOffsets>();

/** The shared, cached offsets of `zoneName`; throws {@link PermissionGateInputError} for an unknown zone. */
export function zoneOffsets(zoneName: string): ZoneOffsets {
  let zone = zones.get(zoneName);
  if (zone === undefined) {
    zone = new ZoneOffsets(zoneName);
    zones.set(zoneName, zone);
  }
  return zone;
}
