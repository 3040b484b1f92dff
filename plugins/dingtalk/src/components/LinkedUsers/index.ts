export { LinkedUsers, AccountLinkCard } from './LinkedUsers';
