export { DingtalkGroupChatPicker } from './DingtalkGroupChatPicker';
export type {
  DingtalkGroupChatPickerProps,
  PickedGroupChat,
} from './DingtalkGroupChatPicker';
