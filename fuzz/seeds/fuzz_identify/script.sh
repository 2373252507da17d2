esptool.py write_flash 0x1000 b.bin 0x10000 a.bin
