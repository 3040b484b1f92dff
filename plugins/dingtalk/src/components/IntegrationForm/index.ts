export { IntegrationForm } from './IntegrationForm';
