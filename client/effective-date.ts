// Effective dates as people write them: ISO-8601 with an offset, or a date alone, taken as the
// start of that day in the configured zone (HR systems send "last day" dates without a time).

export class InvalidDateError extends Error {
  override name = 'InvalidDateError';
}

const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds the zone's wall clock is ahead of UTC at `instant`. */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((candidate) => candidate.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

function formatOffset(offsetMs: number): string {
  const minutes = Math.round(offsetMs / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The instant as ISO-8601 in the zone's local time with its offset, e.g. `2026-12-31T00:00:00+01:00`. */
export function formatInZone(instant: number, timeZone: string): string {
  const offset = zoneOffsetMs(instant, timeZone);
  const local = new Date(instant + offset).toISOString().slice(0, 19);
  return `${local}${formatOffset(offset)}`;
}

/**
 * The first instant of a calendar day in a zone. Usually local midnight; on a day whose midnight a
 * DST change skips (America/Santiago, Asia/Beirut) it is the first local time that exists.
 */
export function startOfDayIn(year: number, month: number, day: number, timeZone: string): number {
  const midnightUtc = Date.UTC(year, month - 1, day);
  let instant = midnightUtc - zoneOffsetMs(midnightUtc, timeZone);
  instant = midnightUtc - zoneOffsetMs(instant, timeZone);
  const localDay = new Date(instant + zoneOffsetMs(instant, timeZone)).toISOString().slice(0, 10);
  // Midnight skipped: the wall clock jumped past it, so the day starts at the transition.
  if (localDay < new Date(midnightUtc).toISOString().slice(0, 10)) instant += 3_600_000;
  return instant;
}

/**
 * Parses an effective date for `OffboardingRequest.effectiveAt`: ISO-8601 with an offset (kept as
 * written), or `YYYY-MM-DD` as the start of that day in `timeZone`. Throws InvalidDateError otherwise.
 */
export function parseEffectiveAt(text: string, timeZone: string): string {
  const value = text.trim();
  const dateOnly = DATE_ONLY.exec(value);
  if (dateOnly) {
    const [year, month, day] = [Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3])];
    const check = new Date(Date.UTC(year, month - 1, day));
    if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
      throw new InvalidDateError(`effectiveAt ${value} is not a calendar date`);
    }
    return formatInZone(startOfDayIn(year, month, day, timeZone), timeZone);
  }
  if (!WITH_OFFSET.test(value) || !Number.isFinite(Date.parse(value))) {
    throw new InvalidDateError(
      `effectiveAt must be ISO-8601 with an offset (2026-12-31T17:00:00+01:00) or a date (2026-12-31); got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
