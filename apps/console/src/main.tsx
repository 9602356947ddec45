import { render } from 'preact';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import './console.css';
import { ConsoleApp } from './app/console.app';

const root = document.getElementById('root');
if (root) render(<ConsoleApp />, root);
