export { IncidentDetail } from './IncidentDetail';
