# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client side of the end-to-end PXE tests: real firmware in QEMU booting what the collection serves.

``assets`` builds the kernel and initramfs the PXE server hands out; ``qemu`` runs one client and
reports whether the initramfs marker line reached the serial console.
"""
