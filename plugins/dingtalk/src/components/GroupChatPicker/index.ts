export {
  DingtalkGroupChatPicker,
  EMPTY_STATE_STEPS,
} from './DingtalkGroupChatPicker';
export type {
  DingtalkGroupChatPickerProps,
  PickedGroupChat,
} from './DingtalkGroupChatPicker';
