import assert from 'node:assert/strict';
import { AppError } from '@kg/shared';
import { pickServer, type ServerLoad } from '../src/modules/lifecycle/placement';

const server = (id: number, placed: number, capacity: number, status = 'active'): ServerLoad => ({
  id,
  name: `s${id}`,
  status,
  capacity,
  placed,
});

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AppError);
    return `${err.status} ${err.code}`;
  }
  return 'no error';
}

describe('tenant placement (pickServer)', () => {
  it('when no server is asked for, then the active server with the most free capacity wins, lowest id on a tie', () => {
    assert.equal(pickServer([server(1, 8, 10), server(2, 1, 5), server(3, 0, 2)]).id, 2);
    assert.equal(pickServer([server(1, 1, 3), server(2, 0, 2)]).id, 1);
  });

  it('when a server is full, draining or disabled, then it is never chosen', () => {
    assert.equal(pickServer([server(1, 10, 10), server(2, 0, 100, 'draining'), server(3, 0, 100, 'disabled'), server(4, 4, 5)]).id, 4);
    assert.equal(code(() => pickServer([server(1, 10, 10), server(2, 0, 9, 'draining')])), '409 NO_DATABASE_CAPACITY');
    assert.equal(code(() => pickServer([server(1, 12, 10)])), '409 NO_DATABASE_CAPACITY', 'over capacity after a capacity cut');
  });

  it('when a server is asked for, then it is used if active and not full, else 409; an unknown one is 400', () => {
    assert.equal(pickServer([server(1, 0, 10), server(2, 4, 5)], 2).id, 2);
    assert.equal(code(() => pickServer([server(1, 0, 10), server(2, 5, 5)], 2)), '409 DATABASE_SERVER_UNAVAILABLE');
    assert.equal(code(() => pickServer([server(1, 0, 10, 'draining')], 1)), '409 DATABASE_SERVER_UNAVAILABLE');
    assert.equal(code(() => pickServer([server(1, 0, 10)], 7)), '400 VALIDATION_ERROR');
  });
});
