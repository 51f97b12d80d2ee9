import React, { useEffect, useRef, useState } from 'react';
import { Heading, Inline, SectionMessage, Spinner, Stack, Text } from '@forge/react';
import type { ProjectSettings, Refusal } from '../forge/resolvers/resolver-contract';
import { invokeResolver } from './invoke-resolver';
import { RefusalMessage } from './refusal-message';
import { SettingsForm } from './settings-form';

type Load = { status: 'loading' } | { status: 'failed'; refusal: Refusal } | { status: 'ready'; settings: ProjectSettings; problems: string[] };

/** The project settings page: loads the settings once, saves them through saveSettings. */
export function SettingsPageApp() {
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void invokeResolver('getSettings', {}).then((result) =>
      setLoad(result.ok ? { status: 'ready', settings: result.settings, problems: result.problems ?? [] } : { status: 'failed', refusal: result }),
    );
  }, []);

  if (load.status === 'loading') {
    return (
      <Inline space="space.100" alignBlock="center">
        <Spinner size="medium" label="Loading settings" />
        <Text>Loading settings…</Text>
      </Inline>
    );
  }
  if (load.status === 'failed') return <RefusalMessage refusal={load.refusal} title="The settings could not be loaded" />;

  return (
    <Stack space="space.200">
      <Heading size="medium">Scopekeeper settings</Heading>
      {load.problems.map((problem) => (
        <SectionMessage key={problem} appearance="warning" title="Something needs fixing">
          <Text>{problem}</Text>
        </SectionMessage>
      ))}
      <SettingsForm settings={load.settings} onSave={(settings) => invokeResolver('saveSettings', { settings })} />
    </Stack>
  );
}
