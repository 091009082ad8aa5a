/**
 * The preference centre: one server-rendered form that works without JavaScript. Every control
 * has a label, related controls are grouped in fieldsets with legends, problems are listed at the
 * top with links to the fields and marked on the fields themselves (`aria-invalid`,
 * `aria-describedby`), and the saved message is announced (`role="status"`).
 */
import { CHANNELS, type Channel } from '../../customer/model';
import type { RequestIssue } from '../errors';
import type { TokenQuery } from '../requests';
import { CHANNEL_LABELS, type TopicOffer } from '../dependencies';
import { html, type Html, type HtmlValue } from './html';
import { page } from './layout';

/** The values the form shows: the stored state, or what was just submitted when it had problems. */
export interface PreferenceFormValues {
  readonly channel1: string;
  readonly channel2: string;
  readonly channel3: string;
  /** Ticked boxes, `<channel>:<topic>`. */
  readonly consent: ReadonlySet<string>;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly quietStart: string;
  readonly quietEnd: string;
  readonly maxPerWeek: string;
}

export interface PreferencePageOptions {
  readonly actionUrl: string;
  readonly exportUrl: string;
  /** The customer's time zone, in which every time of day is read. */
  readonly timezone: string;
  readonly topics: readonly TopicOffer[];
  readonly values: PreferenceFormValues;
  /** Consents waiting for the customer's confirmation, `<channel>:<topic>`. */
  readonly pending: ReadonlySet<string>;
  readonly status?: 'saved' | 'withdrawn';
  /** What became of the parts of a save (the preferences, a confirmation email or text); with `status: 'saved'`. */
  readonly saved?: SaveNotes;
  readonly problems?: readonly RequestIssue[];
}

const POSITIONS = ['First choice', 'Second choice', 'Third choice'] as const;
const CHANNEL_FIELDS = ['channel1', 'channel2', 'channel3'] as const;

function problemFor(problems: readonly RequestIssue[], field: string): RequestIssue | undefined {
  return problems.find((problem) => problem.field === field);
}

/** The time fields, as the customer reads them: their fieldset and their label. */
const TIME_FIELDS: Readonly<Record<string, { readonly span: string; readonly part: string }>> = {
  windowStart: { span: 'preferred time of day', part: 'start (From)' },
  windowEnd: { span: 'preferred time of day', part: 'end (Until)' },
  quietStart: { span: 'quiet hours', part: 'start (From)' },
  quietEnd: { span: 'quiet hours', part: 'end (Until)' },
};

/**
 * A problem in the customer's words: a full sentence naming the control by the label they see,
 * never the form's field names or the schema's wording (PreferenceFormSchema, whose message tells
 * which of a field's rules failed). Shown in the summary and beside the control alike.
 */
function customerMessage(problem: RequestIssue): string {
  const { field, message } = problem;
  const channelIndex = CHANNEL_FIELDS.indexOf(field as (typeof CHANNEL_FIELDS)[number]);
  if (channelIndex >= 0) {
    const position = POSITIONS[channelIndex] ?? POSITIONS[0];
    if (message.startsWith('choose at least one')) return 'Choose at least one way we may contact you, as your first choice.';
    if (message.includes('repeat')) return `Your ${position.toLowerCase()} repeats a channel chosen above. Choose another, or None.`;
    return `Choose your ${position.toLowerCase()} from the list.`;
  }
  const time = TIME_FIELDS[field];
  if (time !== undefined) {
    if (message.startsWith('give both')) return `Give the ${time.span} both a start (From) and an end (Until), or leave both empty.`;
    if (message.startsWith('must differ')) return `The ${time.span} must end (Until) at another time than they start (From).`;
    return `Enter the ${time.part} of the ${time.span} as a time of day, such as 18:30.`;
  }
  if (field === 'maxPerWeek') return 'Enter the most messages per week as a whole number from 0 to 100, or leave it empty for no limit.';
  if (field.startsWith('consent')) return 'One of the ticked boxes is not one this page offers. Tick your choices again, then save.';
  return 'Something in the form could not be used. Check your choices, then save again.';
}

/** `aria-invalid` and `aria-describedby` for a field, and its inline message. */
function fieldState(problems: readonly RequestIssue[], field: string, hintId?: string): { attributes: Html; message: HtmlValue } {
  const problem = problemFor(problems, field);
  const describedBy = [hintId, problem === undefined ? undefined : `${field}-error`].filter((id) => id !== undefined).join(' ');
  return {
    attributes: html`${problem === undefined ? '' : html` aria-invalid="true"`}${describedBy === '' ? '' : html` aria-describedby="${describedBy}"`}`,
    message: problem === undefined ? '' : html`<p class="error" id="${field}-error">${customerMessage(problem)}</p>`,
  };
}

function channelSelect(options: PreferencePageOptions, index: 0 | 1 | 2): Html {
  const field = CHANNEL_FIELDS[index];
  const selected = options.values[field];
  const state = fieldState(options.problems ?? [], field, 'channels-hint');
  const choices = CHANNELS.map(
    (channel) => html`<option value="${channel}"${selected === channel ? html` selected` : ''}>${CHANNEL_LABELS[channel]}</option>`,
  );
  return html`<div class="row"><label for="${field}">${POSITIONS[index]}</label>
<select id="${field}" name="${field}"${state.attributes}>
<option value=""${selected === '' ? html` selected` : ''}>None</option>
${choices}
</select></div>${state.message}`;
}

/** How a consent waiting for confirmation is confirmed, per channel: an email's link, a YES to our text. */
const PENDING_NOTES: Readonly<Record<Channel, string>> = {
  email: 'waiting for you to confirm: open the link in the email we sent you',
  sms: 'waiting for your YES: reply YES to the text we sent you',
  mail: 'waiting for your confirmation',
};

function topicFieldset(options: PreferencePageOptions, offer: TopicOffer): Html {
  const boxes = CHANNELS.map((channel: Channel) => {
    const value = `${channel}:${offer.topic}`;
    const id = `consent-${channel}-${offer.topic}`;
    const checked = options.values.consent.has(value);
    const pending = options.pending.has(value);
    return html`<div class="choice"><input type="checkbox" id="${id}" name="consent" value="${value}"${checked ? html` checked` : ''}${
      pending ? html` aria-describedby="${id}-pending"` : ''
    }>
<label for="${id}">${CHANNEL_LABELS[channel]}</label>${
      pending ? html` <span class="pending" id="${id}-pending">(${PENDING_NOTES[channel]})</span>` : ''
    }</div>`;
  });
  return html`<fieldset><legend>${offer.label}</legend>
${boxes}
</fieldset>`;
}

function spanFieldset(options: PreferencePageOptions, legend: string, hint: string, start: 'windowStart' | 'quietStart', end: 'windowEnd' | 'quietEnd'): Html {
  const problems = options.problems ?? [];
  const hintId = `${start}-hint`;
  const startState = fieldState(problems, start, hintId);
  const endState = fieldState(problems, end, hintId);
  return html`<fieldset><legend>${legend}</legend>
<p class="hint" id="${hintId}">${hint}</p>
<div class="row"><label for="${start}">From</label><input type="time" id="${start}" name="${start}" value="${options.values[start]}"${startState.attributes}></div>${startState.message}
<div class="row"><label for="${end}">Until</label><input type="time" id="${end}" name="${end}" value="${options.values[end]}"${endState.attributes}></div>${endState.message}
</fieldset>`;
}

function problemSummary(problems: readonly RequestIssue[]): HtmlValue {
  if (problems.length === 0) return '';
  // Problems with ticked boxes (`consent[0]`) point at their fieldset; the others at their control.
  const fieldId = (field: string): string => (field.startsWith('consent') ? 'consents' : field);
  return html`<div class="problems" role="alert" aria-labelledby="problems-title">
<h2 id="problems-title">Please check your choices</h2>
<ul>${problems.map((problem) => html`<li><a href="#${fieldId(problem.field)}">${customerMessage(problem)}</a></li>`)}</ul>
</div>`;
}

/** What became of the parts of a save, as the page tells it: the query the save redirected with. */
export type SaveNotes = Pick<TokenQuery, 'preferences' | 'email' | 'sms'>;

const EMAIL_NOTES: Record<NonNullable<SaveNotes['email']>, string> = {
  sent: 'We have sent you an email: open its link to confirm those emails.',
  not_sent: 'We could not send the confirmation email just now, so those emails stay off. Untick them, save, then tick them and save again to retry.',
  limit_reached:
    'This address has had several confirmation emails from us today, so we have not sent another and those emails stay off. Untick them and save, then tick them and save again tomorrow.',
};

const SMS_NOTES: Record<NonNullable<SaveNotes['sms']>, string> = {
  sent: 'We have texted your phone: reply YES to that text to confirm our texts.',
  sent_recently: 'We texted your phone about this in the last 7 days, so we have not texted it again: reply YES to that text to confirm our texts.',
  not_sent: 'We could not text your phone just now, so our texts stay off. Save again later to retry.',
  limit_reached: 'This number has had several confirmation texts from us today, so we have not texted it again and our texts stay off. Save again tomorrow to retry.',
  no_number: 'We have no mobile number for you, so our texts stay off.',
};

function statusMessage(status: PreferencePageOptions['status'], notes: SaveNotes = {}): HtmlValue {
  if (status === 'saved') {
    const lines = [
      notes.preferences === 'kept_newer'
        ? 'Your consent choices are saved, but your channel order, times and weekly maximum are not: newer ones had reached us meanwhile, and they are shown below.'
        : 'Your preferences are saved. They apply to the next message we would send you.',
      ...(notes.email === undefined ? [] : [EMAIL_NOTES[notes.email]]),
      ...(notes.sms === undefined ? [] : [SMS_NOTES[notes.sms]]),
    ];
    return html`<p class="status" role="status">${lines.join(' ')}</p>`;
  }
  if (status === 'withdrawn') {
    return html`<p class="status" role="status">You have withdrawn all consent. We will not send you marketing messages on any channel.</p>`;
  }
  return '';
}

/** The whole preference-centre page. */
export function preferencePage(options: PreferencePageOptions): Html {
  const problems = options.problems ?? [];
  const maxState = fieldState(problems, 'maxPerWeek', 'maxPerWeek-hint');
  // A form sent back with problems says so first in its title, which a screen reader reads first.
  return page(
    problems.length === 0 ? 'Your communication preferences' : 'Error: Your communication preferences',
    html`<h1>Your communication preferences</h1>
${statusMessage(options.status, options.saved)}
${problemSummary(problems)}
<form method="post" action="${options.actionUrl}" novalidate>
<input type="hidden" name="action" value="save">
<fieldset id="channels"><legend>How we contact you, in order of preference</legend>
<p class="hint" id="channels-hint">We use your first choice whenever we can. A channel set to "None" is never used for marketing.</p>
${channelSelect(options, 0)}
${channelSelect(options, 1)}
${channelSelect(options, 2)}
</fieldset>
<fieldset id="consents"><legend>What we may send you</legend>
<p class="hint">Tick each kind of message you want, on each channel.</p>
${options.topics.map((offer) => topicFieldset(options, offer))}
</fieldset>
<fieldset><legend>When we may contact you</legend>
<p class="hint">Times are in your time zone, ${options.timezone}.</p>
${spanFieldset(options, 'Preferred time of day', 'We send email and text messages in this window. Leave both empty for any time.', 'windowStart', 'windowEnd')}
${spanFieldset(options, 'Quiet hours', 'We never send email or text messages in these hours. Leave both empty for none.', 'quietStart', 'quietEnd')}
</fieldset>
<fieldset><legend>How often</legend>
<div class="row"><label for="maxPerWeek">At most, messages per week</label><input type="number" id="maxPerWeek" name="maxPerWeek" min="0" max="100" step="1" inputmode="numeric" value="${options.values.maxPerWeek}"${maxState.attributes}></div>
<p class="hint" id="maxPerWeek-hint">Leave empty for no limit.</p>${maxState.message}
</fieldset>
<button type="submit">Save my preferences</button>
</form>
<form method="post" action="${options.actionUrl}" class="withdraw">
<h2>Withdraw everything</h2>
<p>Stop every marketing message on every channel, in one step. Messages you need about your orders and account still reach you.</p>
<input type="hidden" name="action" value="withdraw-all">
<button type="submit" class="danger">Withdraw all consent</button>
</form>
<h2>Your record</h2>
<p><a href="${options.exportUrl}">Download every consent you gave or withdrew, with its proof (JSON)</a></p>`,
  );
}
