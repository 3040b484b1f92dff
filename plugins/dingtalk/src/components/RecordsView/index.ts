export { RecordsView } from './RecordsView';
