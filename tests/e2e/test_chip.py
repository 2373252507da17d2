"""`espburn chip` against the virtual board over every transport."""
import json

import pytest


@pytest.mark.parametrize("transport", ["tcp", "rfc2217", "pty"])
def test_chip_reports_the_board(espburn, sim, transport):
    board = sim(transport=transport)
    r = espburn("chip", "-p", board.url, "--json")
    assert r.rc == 0, r
    d = json.loads(r.out)
    assert d["chip"] == "ESP32"
    assert d["description"].startswith("ESP32-")
    assert d["revision"].startswith("v")
    assert "Wi-Fi" in d["features"]
    assert d["crystal_mhz"] in (26, 40)
    assert len(d["mac"].split(":")) == 6 and d["mac"] != "00:00:00:00:00:00"
    assert d["flash"]["size"] == 16 << 20          # the M5Stack Fire has 16 MB
    assert d["security"]["flash_encryption"] is False


def test_chip_text_and_other_board(espburn, sim):
    board = sim(board="m5stack-atom")
    r = espburn("chip", "-p", board.url)
    assert r.rc == 0, r
    assert "Chip:" in r.out and "MAC:" in r.out
    assert "4 MB" in r.out                         # the Atom has 4 MB


def test_chip_from_env_port(espburn, sim):
    import os
    board = sim()
    env = dict(os.environ, ESPBURN_PORT=board.url)
    r = espburn("chip", "--json", env=env)
    assert r.rc == 0, r
    assert json.loads(r.out)["port"] == board.url


def test_no_port_is_usage_error(espburn):
    import os
    env = {k: v for k, v in os.environ.items() if k != "ESPBURN_PORT"}
    r = espburn("chip", env=env)
    assert r.rc == 2, r
    assert "-p PORT" in r.err


def test_nothing_listening_is_io_error(espburn):
    r = espburn("chip", "-p", "socket://127.0.0.1:1")
    assert r.rc == 3, r
    assert "cannot connect" in r.err
    r = espburn("chip", "-p", "socket://127.0.0.1:1", "--json")
    d = json.loads(r.out)
    assert r.rc == 3 and d["ok"] is False and d["command"] == "chip", d
    assert d["error"]["exit"] == 3 and d["error"]["code"] == "io" and "cannot connect" in d["error"]["message"]


def test_gpio0_stuck_high_is_explained(espburn, sim):
    board = sim(transport="rfc2217", extra_args=["--fault", "gpio0-stuck-high"])
    r = espburn("chip", "-p", board.url, timeout=120)
    assert r.rc == 3, r
    assert "instead of entering download mode" in r.err
    assert "hold BOOT/GPIO0" in r.err


def test_dead_tx_line_says_no_answer(espburn, sim):
    board = sim(extra_args=["--fault", "tx-dead"])
    r = espburn("chip", "-p", board.url, timeout=120)
    assert r.rc == 3, r
    assert "no answer to SYNC" in r.err


def test_explain_describes_steps(espburn, sim):
    board = sim(transport="rfc2217")
    r = espburn("chip", "-p", board.url, "--explain")
    assert r.rc == 0, r
    for step in ("reset", "SYNC", "SPI_ATTACH", "RDID"):
        assert step in r.err


def test_usb_serial_jtag_board_needs_its_own_reset(espburn, sim):
    board = sim(board="m5stack-cores3", transport="rfc2217", extra_args=["--boot", "flash"])
    r = espburn("chip", "-p", board.url, "--before", "usb-jtag", "--json")
    assert r.rc == 0, r
    d = json.loads(r.out)
    assert d["chip"] == "ESP32-S3" and d["mac"] == "f4:12:7e:0d:1e:2f"
    assert d["security"]["source"] == "GET_SECURITY_INFO"
    # listed as Espressif's USB-Serial/JTAG (303a:1001), the sequence is chosen by itself
    import os
    env = dict(os.environ, ESPBURN_FAKE_PORTS=f"{board.url}|303a:1001|x|USB JTAG/serial debug unit")
    r = espburn("chip", "-p", board.url, env=env)
    assert r.rc == 0, r


@pytest.mark.parametrize("transport", ["tcp", "rfc2217"])
def test_cores3_facts_from_s3_efuses(espburn, sim, transport):
    """ESP32-S3 eFuses decoded as esptool's esp32s3.py does: the CoreS3 is an
    ESP32-S3 (QFN56) v0.2 whose 16 MB flash and 8 MB (quad) PSRAM sit outside
    the chip, so no "Embedded ..." feature."""
    board = sim(board="m5stack-cores3", transport=transport)
    before = ["--before", "usb-jtag"] if transport == "rfc2217" else []
    r = espburn("chip", "-p", board.url, *before, "--json")
    assert r.rc == 0, r
    d = json.loads(r.out)
    assert d["chip"] == "ESP32-S3"
    assert d["description"] == "ESP32-S3 (QFN56)"
    assert d["revision"] == "v0.2"
    assert d["features"] == ["Wi-Fi", "BT 5 (LE)", "Dual Core + LP Core", "240MHz"]
    assert d["crystal_mhz"] == 40 and d["flash"]["size"] == 16 << 20
    r = espburn("chip", "-p", board.url, *before)
    assert r.rc == 0, r
    assert "Chip:       ESP32-S3 (QFN56), revision v0.2\n" in r.out
    assert "Features:   Wi-Fi, BT 5 (LE), Dual Core + LP Core, 240MHz\n" in r.out


def test_secure_download_s3_has_no_efuse_facts(espburn, sim):
    """Secure Download Mode refuses READ_REG: the S3 decoder is not asked."""
    board = sim(board="m5stack-cores3-secure-download")
    r = espburn("chip", "-p", board.url, "--json")
    assert r.rc == 0, r
    d = json.loads(r.out)
    assert d["description"] == "ESP32-S3" and "revision" not in d and d["features"] == []
