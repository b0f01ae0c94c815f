"""Development tools that ship: a fake LINE Platform and a resident simulator."""
