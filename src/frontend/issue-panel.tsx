import React from 'react';
import ForgeReconciler from '@forge/react';
import { IssuePanelApp as App } from './issue-panel-app';

// Resource entry of the jira:issuePanel module "Acceptance & sign-off".
ForgeReconciler.render(
  <React.StrictMode>
    <App />
  </React.StrictMode>,
);
