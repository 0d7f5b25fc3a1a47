"""Link workers' shortlists: places picked during a conversation, shared by an unguessable link that expires."""
