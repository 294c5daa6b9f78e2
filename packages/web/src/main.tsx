import { createRoot } from 'react-dom/client';

// Placeholder until the web app (issue 3) lands: the server serves this build at `/`.
const root = document.getElementById('root');
if (root) createRoot(root).render(<h1>Cinder</h1>);
