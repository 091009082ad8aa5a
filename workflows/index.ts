/**
 * The journey catalog: every journey of the product, by id. The CDK app compiles each one to a
 * state machine; the local runtime and `overture simulate` look journeys up here.
 */
import type { Journey } from '../lib/journeys/format';
import { activeCrossSell } from './catalog/active-cross-sell';
import { loyalty } from './catalog/loyalty';
import { prospectNurture } from './catalog/prospect-nurture';
import { welcome } from './catalog/welcome';
import { winBack } from './catalog/win-back';

/** Every catalog journey, in lifecycle order. */
export const CATALOG: readonly Journey[] = [prospectNurture, welcome, activeCrossSell, loyalty, winBack];

/** Catalog journeys by id. */
export const journeys: Readonly<Record<string, Journey>> = Object.fromEntries(CATALOG.map((journey) => [journey.id, journey]));

export { activeCrossSell, loyalty, prospectNurture, welcome, winBack };
