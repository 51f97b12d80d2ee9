import React, { act } from 'react';
import ForgeReconciler from '@forge/react';

// Renders UI Kit components the way @forge/react's own tests do (out/__test__/testUtils.js):
// the reconciler sends every committed tree over `self.__bridge.callBridge('reconcile',
// { forgeDoc })`, so a stand-in bridge catches that tree. Tests then read it like the Atlassian
// frontend would, and press buttons by calling the onClick/onChange/onSubmit props found in it.

export interface ForgeNode {
  type: string;
  key: string;
  props: Record<string, unknown> & { text?: string };
  children: ForgeNode[];
}

type Handler = (...args: unknown[]) => unknown;

const reconciled: ForgeNode[] = [];
(globalThis as Record<string, unknown>).IS_REACT_ACT_ENVIRONMENT = true;
(globalThis as Record<string, unknown>).self = {
  __bridge: {
    callBridge: (cmd: string, data: { forgeDoc?: ForgeNode }) => {
      if (cmd === 'reconcile' && data.forgeDoc) reconciled.push(data.forgeDoc);
      if (cmd === 'onError') throw new Error(`The UI Kit app failed to render: ${String((data as { error?: unknown }).error)}`);
    },
  },
};

/** Lets pending promises (resolver answers) settle and React commit what they caused. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i += 1) {
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
  }
}

/**
 * Renders `element` through ForgeReconciler (or runs `start`, e.g. requiring a resource entry that
 * calls ForgeReconciler.render itself) and returns the live tree of that render.
 */
export async function renderForge(element: React.ReactElement | (() => void)): Promise<ForgeView> {
  const before = reconciled.length;
  await act(async () => {
    if (typeof element === 'function') element();
    else ForgeReconciler.render(element);
  });
  const root = reconciled[before];
  if (!root) throw new Error('Nothing was rendered through the bridge');
  await settle();
  // The root is the container the reconciler keeps mutating, so it always shows the latest commit.
  return new ForgeView(root);
}

export function textOf(node: ForgeNode): string {
  if (node.type === 'String') return String(node.props.text ?? '');
  const own = typeof node.props.label === 'string' ? [node.props.label] : [];
  const title = typeof node.props.title === 'string' ? [node.props.title] : [];
  const code = node.type === 'CodeBlock' && typeof node.props.text === 'string' ? [node.props.text] : [];
  const children = node.children.map(textOf);
  const inner = node.children.every((c) => c.type === 'String') ? children.join('') : children.filter(Boolean).join(' ');
  return [...title, ...own, ...code, inner].filter(Boolean).join(' ');
}

export class ForgeView {
  constructor(readonly root: ForgeNode) {}

  /** Every node under this view, depth first. */
  all(): ForgeNode[] {
    const out: ForgeNode[] = [];
    const walk = (node: ForgeNode) => {
      out.push(node);
      node.children.forEach(walk);
    };
    this.root.children.forEach(walk);
    return out;
  }

  /** All visible text, for `toContain` checks. */
  text(): string {
    return textOf(this.root);
  }

  findAll(predicate: (node: ForgeNode) => boolean): ForgeNode[] {
    return this.all().filter(predicate);
  }

  byType(type: string): ForgeNode[] {
    return this.findAll((n) => n.type === type);
  }

  /** The innermost elements whose text contains `text` (or matches it). */
  queryAllByText(text: string | RegExp): ForgeNode[] {
    const matches = (n: ForgeNode) => n.type !== 'String' && (typeof text === 'string' ? textOf(n).includes(text) : text.test(textOf(n)));
    return this.findAll((n) => matches(n) && !n.children.some(matches));
  }

  queryByText(text: string | RegExp): ForgeNode | undefined {
    return this.queryAllByText(text)[0];
  }

  findByText(text: string | RegExp): ForgeNode {
    const node = this.queryByText(text);
    if (!node) throw new Error(`No element shows ${String(text)}. The screen shows:\n${this.text()}`);
    return node;
  }

  hasText(text: string | RegExp): boolean {
    return this.queryByText(text) !== undefined;
  }

  /** Labels of every button on screen, in order. */
  buttonLabels(): string[] {
    return this.findAll(isButton).map(textOf);
  }

  queryButton(label: string): ForgeNode | undefined {
    return this.findAll(isButton).find((n) => textOf(n) === label);
  }

  findButton(label: string): ForgeNode {
    const button = this.queryButton(label);
    if (!button) throw new Error(`No button "${label}". Buttons on screen: ${JSON.stringify(this.buttonLabels())}`);
    return button;
  }

  lozenges(): string[] {
    return this.byType('Lozenge').map(textOf);
  }

  codeBlocks(): { text: string; language: string | undefined }[] {
    return this.byType('CodeBlock').map((n) => ({ text: String(n.props.text ?? ''), language: n.props.language as string | undefined }));
  }

  /** A sub-view, e.g. one criterion row, for queries that must not match elsewhere. */
  within(node: ForgeNode): ForgeView {
    return new ForgeView(node);
  }

  /** The element carrying this testId. */
  byTestId(testId: string): ForgeView {
    const node = this.findAll((n) => n.props.testId === testId)[0];
    if (!node) throw new Error(`No element with testId "${testId}"`);
    return this.within(node);
  }

  /**
   * The input a user would find by its label: a Label's labelFor points at the field's id; a
   * Checkbox, UserPicker or similar carries its label as a prop.
   */
  findField(label: string): ForgeNode {
    const labelNode = this.findAll((n) => n.type === 'Label' && textOf(n) === label)[0];
    if (labelNode) {
      const target = this.findAll((n) => n.type !== 'Label' && (n.props.id === labelNode.props.labelFor || n.props.inputId === labelNode.props.labelFor))[0];
      if (target) return target;
    }
    const labelled = this.findAll((n) => n.type !== 'Label' && n.props.label === label)[0];
    if (labelled) return labelled;
    throw new Error(`No field labelled "${label}". The screen shows:\n${this.text()}`);
  }

  async click(label: string): Promise<void> {
    const button = this.findButton(label);
    if (button.props.isDisabled) throw new Error(`Button "${label}" is disabled`);
    await fire(button, 'onClick', {});
  }

  /** Types into a Textfield or TextArea: the host sends a serialised event with target.value. */
  async type(label: string, value: string): Promise<void> {
    await fire(this.findField(label), 'onChange', { target: { value } });
  }

  async check(label: string, checked: boolean): Promise<void> {
    await fire(this.findField(label), 'onChange', { target: { checked } });
  }

  /** Calls a field's onChange with the value its host component passes (Select option, date string, user). */
  async change(label: string, value: unknown): Promise<void> {
    await fire(this.findField(label), 'onChange', value);
  }

  /** Calls any handler prop of a node found some other way (e.g. the only RadioGroup). */
  async fire(node: ForgeNode, prop: string, arg: unknown): Promise<void> {
    await fire(node, prop, arg);
  }

  /** Submits the (only or first) Form, as its submit button would. */
  async submit(): Promise<void> {
    const form = this.byType('Form')[0];
    if (!form) throw new Error('No Form on screen');
    await fire(form, 'onSubmit', undefined);
  }

  /** Polls until the condition holds, letting promises settle in between; never measures time. */
  async waitFor(condition: () => boolean, rounds = 50): Promise<void> {
    for (let i = 0; i < rounds; i += 1) {
      if (condition()) return;
      await settle(1);
    }
    if (!condition()) throw new Error(`Condition never held. The screen shows:\n${this.text()}`);
  }
}

function isButton(node: ForgeNode): boolean {
  return node.type === 'Button' || node.type === 'LoadingButton';
}

async function fire(node: ForgeNode, prop: string, arg: unknown): Promise<void> {
  const handler = node.props[prop] as Handler | undefined;
  if (typeof handler !== 'function') throw new Error(`${node.type} has no ${prop}`);
  await act(async () => {
    await handler(arg);
  });
  await settle();
}
