export { LinkAccountPage } from './LinkAccountPage';
