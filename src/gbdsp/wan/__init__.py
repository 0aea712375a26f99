"""The SM WAN and device emulator: stands in for the CSPs and the devices."""
