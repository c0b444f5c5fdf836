import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initI18n } from './i18n/index.ts';
import { App } from './app/App.tsx';
import { SessionGate } from './auth/SessionGate.tsx';
import './app/theme.css';

initI18n();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionGate>
      <App />
    </SessionGate>
  </StrictMode>,
);
