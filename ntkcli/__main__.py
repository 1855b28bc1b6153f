from ntkcli.cli import main

main()
