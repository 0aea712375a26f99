from gbdsp.cli import main

main()
