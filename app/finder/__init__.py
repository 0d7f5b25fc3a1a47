"""The link workers' finder (`/finder`): a server-rendered search over the nearby search, with a map and shortlists."""
