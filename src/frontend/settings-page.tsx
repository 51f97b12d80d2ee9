import React from 'react';
import ForgeReconciler from '@forge/react';
import { SettingsPageApp as App } from './settings-page-app';

// Resource entry of the jira:projectSettingsPage module.
ForgeReconciler.render(
  <React.StrictMode>
    <App />
  </React.StrictMode>,
);
