// The names clients, operators and running workflows depend on: workflow types, signals, updates,
// the query, search attributes and run ids. Renaming one breaks callers and open runs, so a rename
// has to fail here first and be made on purpose.
import { SearchAttributeType } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import * as workflows from '../../workflows';
import {
  cancelSignal,
  DeviceWipeAt,
  dryRunWorkflowId,
  admitUpdate,
  approveUpdate,
  expediteUpdate,
  gateQuery,
  pauseUpdate,
  rejectUpdate,
  resumeUpdate,
  OffboardingDrift,
  OffboardingEffectiveAt,
  OffboardingEventId,
  OffboardingPhase,
  OffboardingSource,
  offboardWorkflowId,
  OktaUserId,
  rehireSignal,
  rehireWorkflowId,
  rescheduleUpdate,
  retryUpdate,
  SEARCH_ATTRIBUTE_KEYS,
  statusQuery,
  wipeDevicesNowSignal,
} from '../../workflows/definitions';

describe('the wire contract of an offboarding run', () => {
  it('registers the workflow types offboardUser, rehireUser, pollOffboardingGroup, offboardingGate, signatureSeen, watchForDrift and revokeReturnedAccess', () => {
    expect(Object.keys(workflows).sort()).toEqual([
      'offboardUser',
      'offboardingGate',
      'pollOffboardingGroup',
      'rehireUser',
      'revokeReturnedAccess',
      'signatureSeen',
      'watchForDrift',
    ]);
  });

  it('takes the signals cancel, rehire and wipeDevicesNow', () => {
    expect([cancelSignal, rehireSignal, wipeDevicesNowSignal]).toEqual([
      { type: 'signal', name: 'cancel' },
      { type: 'signal', name: 'rehire' },
      { type: 'signal', name: 'wipeDevicesNow' },
    ]);
  });

  it('takes the updates reschedule, expedite, retry, approve and reject, and answers the query status', () => {
    expect([rescheduleUpdate, expediteUpdate, retryUpdate, approveUpdate, rejectUpdate, statusQuery]).toEqual([
      { type: 'update', name: 'reschedule' },
      { type: 'update', name: 'expedite' },
      { type: 'update', name: 'retry' },
      { type: 'update', name: 'approve' },
      { type: 'update', name: 'reject' },
      { type: 'query', name: 'status' },
    ]);
  });

  it('has a blast-radius gate that takes the updates admit, pause and resume, and answers the query gate', () => {
    expect([admitUpdate, pauseUpdate, resumeUpdate, gateQuery]).toEqual([
      { type: 'update', name: 'admit' },
      { type: 'update', name: 'pause' },
      { type: 'update', name: 'resume' },
      { type: 'query', name: 'gate' },
    ]);
  });

  it('registers four Keyword, two Datetime and one KeywordList search attributes', () => {
    expect(SEARCH_ATTRIBUTE_KEYS).toEqual([
      OktaUserId,
      OffboardingPhase,
      OffboardingSource,
      OffboardingEventId,
      OffboardingEffectiveAt,
      DeviceWipeAt,
      OffboardingDrift,
    ]);
    expect(SEARCH_ATTRIBUTE_KEYS.map((key) => [key.name, key.type])).toEqual([
      ['OktaUserId', SearchAttributeType.KEYWORD],
      ['OffboardingPhase', SearchAttributeType.KEYWORD],
      ['OffboardingSource', SearchAttributeType.KEYWORD],
      ['OffboardingEventId', SearchAttributeType.KEYWORD],
      ['OffboardingEffectiveAt', SearchAttributeType.DATETIME],
      ['DeviceWipeAt', SearchAttributeType.DATETIME],
      ['OffboardingDrift', SearchAttributeType.KEYWORD_LIST],
    ]);
  });

  it('names one run per person offboard-<Okta user id>, its rehire rehire-<id>, and a dry run apart', () => {
    expect(offboardWorkflowId('00u1abc')).toBe('offboard-00u1abc');
    expect(rehireWorkflowId('00u1abc')).toBe('rehire-00u1abc');
    expect(dryRunWorkflowId('00u1abc', 'x7')).toBe('offboard-dryrun-00u1abc-x7');
  });
});
