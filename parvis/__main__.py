from parvis.cli import main

main()
