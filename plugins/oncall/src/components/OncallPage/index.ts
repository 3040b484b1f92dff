export {
  OncallPage,
  LegacyOncallPage,
  EntityOncallContent,
} from './OncallPage';
