"""The endpoints: thin translations between HTTP and the rules, tokens and store."""
