import { PaperboyError } from '../errors.ts';

/** A message not sent because its `mayStart` said no: nothing of it reached the relay. */
export class NotStarted extends PaperboyError {
  override name = 'NotStarted';
}
