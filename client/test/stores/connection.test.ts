import { expect } from 'chai';
import { createPinia, setActivePinia } from 'pinia';
import { useConnectionStore } from '../../src/stores/connection';

describe('connection store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('starts connecting with nothing unconfirmed', () => {
    const connection = useConnectionStore();
    expect([connection.state, connection.unconfirmed]).to.deep.equal(['connecting', 0]);
  });

  it('shows the link’s latest status, and reset returns to connecting', () => {
    const connection = useConnectionStore();
    connection.update({ state: 'reconnecting', unconfirmed: 3 });
    expect([connection.state, connection.unconfirmed]).to.deep.equal(['reconnecting', 3]);
    connection.update({ state: 'connected', unconfirmed: 0 });
    expect([connection.state, connection.unconfirmed]).to.deep.equal(['connected', 0]);
    connection.update({ state: 'offline', unconfirmed: 2 });
    connection.reset();
    expect([connection.state, connection.unconfirmed]).to.deep.equal(['connecting', 0]);
  });
});
