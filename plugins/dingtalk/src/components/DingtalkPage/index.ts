export { DingtalkPage, LegacyDingtalkPage } from './DingtalkPage';
