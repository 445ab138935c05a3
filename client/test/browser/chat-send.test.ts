/**
 * Chat sends each message once, whatever the timing: typing goes on while a message is on its
 * way, and a message whose ack is lost is retried and still shown and stored once. The network
 * between the page and the real server is the page's own WebSocket, routed through Playwright so
 * the test decides when the server's answers reach the page.
 */
import { expect } from 'chai';
import type { Page, WebSocketRoute } from 'playwright-core';
import { api, browserSuite, eventually, hasChromium, type Person } from './harness';

/** A socket.io ack frame answering `chat:send` (engine.io message `4`, socket.io ACK `3`). */
const isChatAck = (frame: string | Buffer) =>
  typeof frame === 'string' && /^43\d+\[\{"ok":\w+,"message"/.test(frame);

/**
 * Routes the person's sockets through a relay that holds the server's chat acks while `held` is
 * set (released in order by `release`), or drops the next one when `dropNext` is set.
 */
async function relay(p: Person) {
  const state = {
    held: false,
    dropNext: false,
    queue: [] as Array<() => void>,
    acksSeen: 0,
    release() {
      state.held = false;
      for (const send of state.queue.splice(0)) send();
    },
  };
  await p.context.routeWebSocket(/\/socket\.io\//, (ws: WebSocketRoute) => {
    const server = ws.connectToServer();
    ws.onMessage((frame) => server.send(frame));
    server.onMessage((frame) => {
      if (!isChatAck(frame)) return ws.send(frame);
      state.acksSeen++;
      if (state.dropNext) {
        state.dropNext = false;
        return;
      }
      if (state.held) state.queue.push(() => ws.send(frame));
      else ws.send(frame);
    });
  });
  return state;
}

(hasChromium ? describe : describe.skip)('browser: chat sends each message once', function () {
  this.timeout(60_000);
  const suite = browserSuite();
  const { person } = suite;

  async function openChat(p: Person): Promise<string> {
    const created = await api(p.page, 'POST', '/api/sessions', { name: `Chat of ${p.username}` });
    const { id } = JSON.parse(created.body) as { id: string };
    await p.page.goto(`/s/${id}`);
    await p.page.getByRole('button', { name: 'Chat', exact: false }).first().click();
    await p.page.getByTestId('chat-panel').waitFor();
    return id;
  }
  const storedTexts = async (page: Page, sessionId: string) => {
    const res = await api(page, 'GET', `/api/sessions/${sessionId}/chat`);
    return (JSON.parse(res.body).messages as Array<{ text: string }>).map((m) => m.text).reverse();
  };
  const shownTexts = (page: Page) => page.getByTestId('chat-text').allTextContents();
  const draft = (page: Page) => page.getByTestId('chat-input').inputValue();

  it('typing on while a message is on its way: the draft holds only the new text, and each message is stored once', async () => {
    const ana = await person('ana');
    const net = await relay(ana);
    const sessionId = await openChat(ana);
    await ana.page.getByTestId('chat-input').click();

    net.held = true;
    await ana.page.keyboard.type('first message');
    await ana.page.keyboard.press('Enter');
    await ana.page.keyboard.type('second');
    // The first ack has not reached the page: the draft is only what was typed after the send.
    expect(await draft(ana.page)).to.equal('second');
    await ana.page.keyboard.press('Enter');
    await ana.page.keyboard.type('third, still a draft');
    await eventually(
      async () => net.queue.length,
      (n) => n === 2,
    );
    net.release();

    await eventually(
      () => shownTexts(ana.page),
      (texts) => texts.length === 2,
    );
    expect(await shownTexts(ana.page)).to.deep.equal(['first message', 'second']);
    expect(await storedTexts(ana.page, sessionId)).to.deep.equal(['first message', 'second']);
    expect(await draft(ana.page)).to.equal('third, still a draft');
  });

  it('a message whose ack is lost is sent again and still stored and shown once', async () => {
    const ana = await person('ana');
    const net = await relay(ana);
    const sessionId = await openChat(ana);
    net.dropNext = true;
    await ana.page.getByTestId('chat-input').click();
    await ana.page.keyboard.type('did this arrive?');
    await ana.page.keyboard.press('Enter');
    expect(await draft(ana.page)).to.equal('');
    // The page waits for its ack (8 s), sends again with the same nonce, and gets the original.
    await eventually(
      async () => net.acksSeen,
      (n) => n === 2,
      20_000,
    );
    await eventually(
      () => shownTexts(ana.page),
      (texts) => texts.length === 1,
    );
    expect(await shownTexts(ana.page)).to.deep.equal(['did this arrive?']);
    expect(await storedTexts(ana.page, sessionId)).to.deep.equal(['did this arrive?']);
    expect(await ana.page.getByTestId('chat-error').count()).to.equal(0);
    expect(await draft(ana.page)).to.equal('');
  });
});
