"""The console's work list: what waits for whom (the queue 待我办理) and what a parcel's page
shows; read side only."""
