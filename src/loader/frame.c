/* frame.c - request encoding, response parsing and boot-text reading. */
#include "loader/frame.h"

#include <stdlib.h>
#include <string.h>

#include "loader/protocol.h"
#include "loader/slip.h"

int esp_request_encode(bytes *out, uint8_t op, const uint8_t *payload, size_t n, uint32_t checksum)
{
    if (n > 0xFFFF)
        return -1;
    uint8_t *pkt = malloc(ESP_HEADER_LEN + n);
    if (!pkt)
        return -1;
    pkt[0] = ESP_REQUEST;
    pkt[1] = op;
    wr_le16(pkt + 2, (uint16_t)n);
    wr_le32(pkt + 4, checksum);
    if (n)
        memcpy(pkt + ESP_HEADER_LEN, payload, n);
    int rc = slip_encode(out, pkt, ESP_HEADER_LEN + n);
    free(pkt);
    return rc;
}

int esp_response_parse(const uint8_t *frame, size_t n, unsigned status_len, int expect_len,
                       struct esp_response *out)
{
    if (n < ESP_HEADER_LEN || frame[0] != ESP_RESPONSE)
        return -1;
    size_t len = rd_le16(frame + 2);
    if (!in_bounds(n, ESP_HEADER_LEN, len) || len < status_len)
        return -1;
    const uint8_t *body = frame + ESP_HEADER_LEN;
    size_t payload = len - status_len;
    if (expect_len >= 0 && (size_t)expect_len <= payload)
        payload = (size_t)expect_len;
    out->op = frame[1];
    out->value = rd_le32(frame + 4);
    out->data = body;
    out->data_len = payload;
    out->failed = status_len ? body[payload] : 0;
    out->error = status_len > 1 ? body[payload + 1] : 0;
    return 0;
}

/* Length of a "0x" hex number at p (bounded by end), and its value. */
static size_t hex_at(const char *p, const char *end, unsigned *value)
{
    if (end - p < 3 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
        return 0;
    char *stop;
    char buf[12];
    size_t k = (size_t)(end - p) < sizeof buf - 1 ? (size_t)(end - p) : sizeof buf - 1;
    memcpy(buf, p, k);
    buf[k] = '\0';
    unsigned long v = strtoul(buf, &stop, 16);
    if (stop == buf + 2)
        return 0;
    *value = (unsigned)v;
    return (size_t)(stop - buf);
}

static const char *find_last(const char *text, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = n >= k ? n - k + 1 : 0; i-- > 0;)
        if (memcmp(text + i, needle, k) == 0)
            return text + i;
    return NULL;
}

static void copy_line(const char *start, const char *end, char *line, size_t cap)
{
    if (!line || cap == 0)
        return;
    const char *stop = start;
    while (stop < end && *stop != '\r' && *stop != '\n')
        stop++;
    size_t k = (size_t)(stop - start) < cap - 1 ? (size_t)(stop - start) : cap - 1;
    memcpy(line, start, k);
    line[k] = '\0';
}

enum esp_boot_strap esp_strap_from_text(const char *text, size_t n, char *line, size_t linecap)
{
    if (line && linecap)
        line[0] = '\0';
    const char *end = text + n;
    const char *b = find_last(text, n, "boot:0x"); /* not the 2nd stage's "I (29) boot: ..." */
    if (!b)
        return find_last(text, n, "waiting for download") ? ESP_STRAP_DOWNLOAD : ESP_STRAP_UNSEEN;
    copy_line(b, end, line, linecap);
    const char *after = b + 5;
    size_t rest = (size_t)(end - after);
    if (find_last(after, rest, "DOWNLOAD") || find_last(after, rest, "waiting for download"))
        return ESP_STRAP_DOWNLOAD;
    const char *eol = after;
    while (eol < end && *eol != '\n')
        eol++;
    if (find_last(after, (size_t)(eol - after), "FLASH_BOOT"))
        return ESP_STRAP_FLASH;
    unsigned v;
    if (hex_at(after, end, &v))
        return (v & 0x10) ? ESP_STRAP_FLASH : ESP_STRAP_DOWNLOAD;
    return ESP_STRAP_UNSEEN;
}

bool esp_reset_line_in_text(const char *text, size_t n, char *line, size_t linecap)
{
    const char *r = find_last(text, n, "rst:0x");
    if (r)
        copy_line(r, text + n, line, linecap);
    return r != NULL;
}
