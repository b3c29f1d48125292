"""Operations of the account and sender tests (not the frontend's contract yet)."""

VIEWER = """{ viewer { merchant {
  twilioAccount { sid friendlyName kind }
  senders { id address rateLimit isDefault }
} } }"""

ADD = """mutation($input: AddSenderInput!) { addSender(input: $input) {
  sender { id address rateLimit isDefault }
  senders { id address isDefault }
  errors { field code message }
} }"""

REMOVE = """mutation($id: ID!) { removeSender(id: $id) {
  sender { id address isDefault removedAt }
  senders { id address isDefault }
  errors { field code message }
} }"""

MAKE_DEFAULT = """mutation($id: ID!) { makeDefaultSender(id: $id) {
  sender { id isDefault }
  senders { address isDefault }
  errors { field code message }
} }"""

CONNECT = """mutation($input: ConnectTwilioAccountInput!) { connectTwilioAccount(input: $input) {
  twilioAccount { sid friendlyName kind createdAt }
  errors { field code message }
} }"""
