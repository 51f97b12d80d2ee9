import React from 'react';
import ForgeReconciler from '@forge/react';
import { ProjectPageApp as App } from './project-page-app';

// Resource entry of the jira:projectPage module "Scope history".
ForgeReconciler.render(
  <React.StrictMode>
    <App />
  </React.StrictMode>,
);
