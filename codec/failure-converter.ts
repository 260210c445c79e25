// The failure converter Temporal loads by path (DataConverter.failureConverterPath), in the worker and, bundled, in
// the workflow sandbox: so it imports nothing but @temporalio/common. With `encodeCommonAttributes`, a failure's
// message and stack trace move into a payload that the codec encrypts; history shows "Encoded failure".
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
