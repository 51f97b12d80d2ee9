import { createSlots } from '../../src/store/create-slots';

describe('createSlots', () => {
  it('lets the given number through at once and the rest in the order they asked, as slots come back', async () => {
    const slots = createSlots(2);
    const order: string[] = [];
    const [a, b] = await Promise.all([slots.take(), slots.take()]);
    const c = slots.take().then((give) => (order.push('c'), give));
    const d = slots.take().then((give) => (order.push('d'), give));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    a();
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(['c', 'd']);
  });

  it('frees one slot however often a holder gives it back', async () => {
    const slots = createSlots(1);
    const give = await slots.take();
    give();
    give();
    const taken = await slots.take();
    let second = false;
    void slots.take().then(() => (second = true));
    await new Promise((r) => setImmediate(r));
    expect(second).toBe(false);
    taken();
    await new Promise((r) => setImmediate(r));
    expect(second).toBe(true);
  });
});
