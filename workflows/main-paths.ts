/**
 * The main path of each catalog journey: the way most customers go. The transitions table in
 * docs/journeys.md is measured along these paths (see `lib/journeys/transitions.ts`).
 */
import type { MainPath } from '../lib/journeys/transitions';

export const MAIN_PATHS: Readonly<Record<string, MainPath>> = {
  'prospect-nurture': {
    description: 'gives preferences, first nurture, first order within 13 days',
    events: { 'preferences-given': 'arrives', 'first-order-1': 'arrives' },
  },
  welcome: {
    description: 'welcome, tips, no order within 7 days, nudge',
    events: { 'first-order': 'times out' },
  },
  'active-cross-sell': {
    description: 'interests changed lately, suggestion, follow-up',
    branches: { 'what-fits': 0 },
  },
  loyalty: {
    description: 'gold tier, thanks, rewards',
    branches: { 'loyal-tier': 0 },
  },
  'win-back': {
    description: 'not held out, email, SMS, mail, no order within 30 days',
    bucket: 50,
    events: { comeback: 'times out' },
  },
};
